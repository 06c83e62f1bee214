package org.leakhound.lab;

import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs one OpenSearch node for the leakhound lab and prints a READY line once it serves HTTP.
 *
 * <p>Usage: {@code LabNode BASE_PATH HTTP_PORT}. We do not use the runner's own main because it
 * exits 1 without saying why, defaults to three nodes and moves the HTTP port silently when the
 * one it wanted is taken; the lab needs one node on the exact port it chose.
 */
public final class LabNode {

    private LabNode() {
    }

    public static void main(final String[] args) {
        if (args.length != 2) {
            System.err.println("usage: LabNode BASE_PATH HTTP_PORT");
            System.exit(2);
        }
        final String basePath = args[0];
        final int httpPort = Integer.parseInt(args[1]);
        final OpenSearchRunner runner = new OpenSearchRunner();
        final CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM from `leakhound.lab.down` runs this hook: close the node so Lucene commits cleanly.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "leakhound-lab-shutdown"));
        try {
            runner.onBuild((index, settings) -> {
                settings.put("network.host", "127.0.0.1");
                settings.put("http.port", String.valueOf(httpPort));
                // 2.19.1.0 does not set single-node itself; without it the node waits for peers.
                settings.put("discovery.type", "single-node");
                // Lab disks may be nearly full: do not let the disk watermarks block writes.
                settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
                // One node cannot place replicas: keep the cluster green.
                settings.put("cluster.default_number_of_replicas", 0);
            }).build(OpenSearchRunner.newConfigs()
                    .basePath(basePath)
                    .numOfNode(1)
                    .clusterName("leakhound-lab")
                    .printOnFailure());
            runner.ensureYellow();
            System.out.println("READY http://127.0.0.1:" + httpPort);
            System.out.flush();
        } catch (final Throwable e) {
            System.err.println("LabNode failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        try {
            stopped.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
