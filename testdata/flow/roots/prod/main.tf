resource "azurerm_virtual_network" "main" {
  name                = "vnet-prod"
  location            = "westeurope"
  resource_group_name = "rg-prod"
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "jump" {
  name                 = "jump"
  resource_group_name  = "rg-prod"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.20.0.0/24"]
}

resource "azurerm_subnet" "vms" {
  name                 = "vms"
  resource_group_name  = "rg-prod"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.20.1.0/24"]
}

resource "azurerm_network_security_group" "vms" {
  name                = "nsg-vms-prod"
  location            = "westeurope"
  resource_group_name = "rg-prod"

  security_rule {
    name                       = "AllowRdpFromJump"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
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
