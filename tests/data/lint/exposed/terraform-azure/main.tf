resource "azurerm_network_security_rule" "es_open" {
  name                        = "allow-es"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "9200"
  source_address_prefix       = "*" # expect: LH120 high
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.nsg.name
}

resource "azurerm_network_security_group" "data" {
  name                = "data-nsg"
  location            = "westeurope"
  resource_group_name = "rg-data"

  security_rule {
    name                       = "ssh-from-office"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "203.0.113.0/24"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "search-cluster"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_ranges    = ["443", "9000-9400"]
    source_address_prefix      = "Internet" # expect: LH120 high
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "any-port"
    priority                   = 120
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefixes    = ["198.51.100.7/32", "0.0.0.0/0"] # expect: LH120 high
    destination_address_prefix = "*"
  }
}
