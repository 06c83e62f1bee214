variable "admin_cidr" {
  type = string
}

variable "search_port" {
  type = number
}

resource "azurerm_network_security_rule" "db" {
  name                        = "mysql-admins"
  priority                    = 200
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3306"
  source_address_prefix       = var.admin_cidr # expect: LH120 medium
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = "nsg"
}

resource "google_compute_firewall" "search" {
  name          = "search"
  network       = "default"
  source_ranges = concat(var.extra_ranges, ["0.0.0.0/0"]) # expect: LH120 high
  allow {
    protocol = "tcp"
    ports    = [var.search_port, "9300"]
  }
}

resource "aws_security_group_rule" "unknown_port" {
  type              = "ingress"
  from_port         = var.search_port
  to_port           = var.search_port
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"] # expect: LH120 low
  security_group_id = "sg-123"
}
