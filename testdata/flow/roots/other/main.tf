resource "azurerm_virtual_network" "main" {
  name                = "vnet-other"
  location            = "westeurope"
  resource_group_name = "rg-other"
  address_space       = ["10.30.0.0/16"]
}

resource "azurerm_subnet" "jump" {
  name                 = "jump"
  resource_group_name  = "rg-other"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.30.0.0/24"]
}

resource "azurerm_subnet" "vms" {
  name                 = "vms"
  resource_group_name  = "rg-other"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.30.1.0/24"]
}

resource "azurerm_network_security_group" "vms" {
  name                = "nsg-vms-other"
  location            = "westeurope"
  resource_group_name = "rg-other"

  security_rule {
    name                       = "DenyRdpFromJump"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "10.30.0.0/24"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "vms" {
  subnet_id                 = azurerm_subnet.vms.id
  network_security_group_id = azurerm_network_security_group.vms.id
}
