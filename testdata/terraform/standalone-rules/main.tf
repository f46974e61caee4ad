resource "azurerm_resource_group" "db" {
  name     = "rg-db"
  location = "westeurope"
}

resource "azurerm_network_security_group" "db" {
  name                = "nsg-db"
  location            = azurerm_resource_group.db.location
  resource_group_name = azurerm_resource_group.db.name
}

# Linked by reference to the NSG's name.
resource "azurerm_network_security_rule" "sql" {
  name                        = "AllowSql"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "1433"
  source_address_prefix       = "10.5.1.0/24"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.db.name
  network_security_group_name = azurerm_network_security_group.db.name
}

# Linked by literal names; `TCP` is rejected by azurerm 3.x and later.
resource "azurerm_network_security_rule" "backup" {
  name                        = "AllowBackup"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "TCP"
  source_port_range           = "*"
  destination_port_ranges     = ["445", "3260"]
  source_address_prefixes     = ["10.5.8.0/24", "10.5.9.0/24"]
  destination_address_prefix  = "*"
  resource_group_name         = "rg-db"
  network_security_group_name = "nsg-db"
}

# Both the singular and the plural destination port: the provider rejects it.
resource "azurerm_network_security_rule" "deny" {
  name                        = "DenyAll"
  priority                    = 4096
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  destination_port_ranges     = ["0-65535"]
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-db"
  network_security_group_name = "nsg-db"
}

# Inline rules plus a separate rule resource on one NSG: they overwrite each other.
resource "azurerm_network_security_group" "mixed" {
  name                = "nsg-mixed"
  location            = "westeurope"
  resource_group_name = "rg-db"

  security_rule {
    name                       = "AllowHttps"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "443"
  }
}

resource "azurerm_network_security_rule" "mixed_ssh" {
  name                        = "AllowSsh"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "22"
  source_address_prefix       = "10.5.0.0/16"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-db"
  network_security_group_name = azurerm_network_security_group.mixed.name
}

# An NSG that exists in Azure but not in this configuration.
resource "azurerm_network_security_rule" "orphan" {
  name                        = "AllowMonitoring"
  priority                    = 300
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "9100"
  source_address_prefix       = "VirtualNetwork"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-shared"
  network_security_group_name = "nsg-shared"
}
