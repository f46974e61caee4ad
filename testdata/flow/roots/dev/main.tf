resource "azurerm_virtual_network" "main" {
  name                = "vnet-dev"
  location            = "westeurope"
  resource_group_name = "rg-dev"
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "jump" {
  name                 = "jump"
  resource_group_name  = "rg-dev"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.20.0.0/24"]
}

resource "azurerm_subnet" "vms" {
  name                 = "vms"
  resource_group_name  = "rg-dev"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.20.1.0/24"]
}

resource "azurerm_network_security_group" "vms" {
  name                = "nsg-vms-dev"
  location            = "westeurope"
  resource_group_name = "rg-dev"

  security_rule {
    name                       = "DenyRdpFromJump"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "10.20.0.0/24"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "vms" {
  subnet_id                 = azurerm_subnet.vms.id
  network_security_group_id = azurerm_network_security_group.vms.id
}
