variable "space" {
  type = string
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = [var.space]
}

resource "azurerm_subnet" "s" {
  name                 = "web"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = [cidrsubnet(var.space, 8, 1), "10.9.0.0/24"]
}

resource "azurerm_network_security_group" "n" {
  name                = "nsg-web"
  location            = "westeurope"
  resource_group_name = "rg"

  security_rule {
    name                       = "AllowRdp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "*"
    destination_address_prefix = "10.0.1.0/24"
  }
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.s.id
  network_security_group_id = azurerm_network_security_group.n.id
}
