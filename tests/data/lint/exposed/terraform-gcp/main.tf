resource "google_compute_firewall" "es" {
  name    = "allow-es"
  network = "default"

  allow {
    protocol = "tcp"
    ports    = ["9200", "5601"]
  }

  source_ranges = ["0.0.0.0/0"] # expect: LH120 high
}

# expect-next: LH120 high
resource "google_compute_firewall" "redis_no_source" {
  name    = "redis"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["6379"]
  }
}
