resource "azurerm_network_security_group" "module" {
  name                = "nsg-module"
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
    destination_address_prefix = "*"
  }
}
