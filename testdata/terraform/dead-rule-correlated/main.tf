# NSG010: `DenyFromVnet` repeats `AllowFromVnet`'s match. Neither matches a set known offline
# (VirtualNetwork also holds on-premises ranges), but it is the same unknown set both times, so
# every flow the deny could match is decided first by the allow: the deny is dead.

resource "azurerm_virtual_network" "main" {
  name                = "vnet-dead"
  location            = "westeurope"
  resource_group_name = "rg-dead"
  address_space       = ["10.4.0.0/16"]
}

resource "azurerm_subnet" "app" {
  name                 = "app"
  resource_group_name  = "rg-dead"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.4.1.0/24"]
}

resource "azurerm_network_security_group" "app" {
  name                = "nsg-app"
  location            = "westeurope"
  resource_group_name = "rg-dead"

  security_rule {
    name                       = "AllowFromVnet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_address_prefix      = "VirtualNetwork"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }

  security_rule {
    name                       = "DenyFromVnet"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "VirtualNetwork"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.app.id
}
