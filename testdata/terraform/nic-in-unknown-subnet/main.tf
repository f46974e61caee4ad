variable "subnet_id" {
  type = string
}

resource "azurerm_network_interface" "vm" {
  name                = "nic-vm"
  location            = "westeurope"
  resource_group_name = "rg"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = var.subnet_id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_security_group" "vm" {
  name                = "nsg-vm"
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

resource "azurerm_network_interface_security_group_association" "vm" {
  network_interface_id      = azurerm_network_interface.vm.id
  network_security_group_id = azurerm_network_security_group.vm.id
}
