resource "google_compute_firewall" "es_internal" {
  name          = "es-internal"
  network       = "default"
  source_ranges = ["10.128.0.0/9"]
  allow {
    protocol = "tcp"
    ports    = ["9200"]
  }
}

resource "google_compute_firewall" "redis_from_tagged" {
  name        = "redis-app"
  network     = "default"
  source_tags = ["app"]
  allow {
    protocol = "tcp"
    ports    = ["6379"]
  }
}

resource "google_compute_firewall" "deny_mongo" {
  name          = "deny-mongo"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  deny {
    protocol = "tcp"
    ports    = ["27017"]
  }
}

resource "google_compute_firewall" "disabled_es" {
  name          = "disabled-es"
  network       = "default"
  disabled      = true
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["9200"]
  }
}

resource "google_compute_firewall" "https" {
  name          = "https"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["443", "8000-8080"]
  }
}
