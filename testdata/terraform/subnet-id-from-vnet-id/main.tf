# Subnet ids written from the VNet's id, as AzureTRE's network module outputs them:
# "${azurerm_virtual_network.main.id}/subnets/NAME". The VNet's id is known only after apply,
# but which subnet the id names is known now: `web` (a separate azurerm_subnet of vnet-spoke)
# gets its NSG association, and the NIC is placed in vnet-main's inline subnet `roles`. Both NSGs open RDP to the
# Internet, so NSG002 reports both instead of NSG030 for links that could not be resolved.

resource "azurerm_virtual_network" "main" {
  name                = "vnet-main"
  location            = "westeurope"
  resource_group_name = "rg-ids"
  address_space       = ["10.1.0.0/16"]

  subnet {
    name             = "roles"
    address_prefixes = ["10.1.0.0/24"]
  }
}

resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-spoke"
  location            = "westeurope"
  resource_group_name = "rg-ids"
  address_space       = ["10.2.0.0/16"]
}

resource "azurerm_subnet" "web" {
  name                 = "web"
  resource_group_name  = "rg-ids"
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.2.1.0/24"]
}

locals {
  roles_subnet_id = "${azurerm_virtual_network.main.id}/subnets/roles"
}

resource "azurerm_network_security_group" "web" {
  name                = "nsg-web"
  location            = "westeurope"
  resource_group_name = "rg-ids"

  security_rule {
    name                       = "AllowRdpFromInternet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "web" {
  subnet_id                 = "${azurerm_virtual_network.spoke.id}/subnets/web"
  network_security_group_id = azurerm_network_security_group.web.id
}

resource "azurerm_network_interface" "vm" {
  name                = "nic-vm"
  location            = "westeurope"
  resource_group_name = "rg-ids"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = local.roles_subnet_id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.1.0.4"
  }
}

resource "azurerm_network_interface_security_group_association" "vm" {
  network_interface_id      = azurerm_network_interface.vm.id
  network_security_group_id = azurerm_network_security_group.web.id
}
