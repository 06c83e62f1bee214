// Pins the FerretDB release the lab builds, and (go.sum) the checksum of its module.
// mongodb.py downloads this module through the Go module proxy, builds its cmd/ferretdb from a
// copy with build/version/version.txt added (the module zip lacks it: a plain `go install`
// builds a binary that panics at start), and caches the binary by a hash of this folder.
module leakhound/lab/ferretdb

go 1.24

require github.com/FerretDB/FerretDB v1.24.2
