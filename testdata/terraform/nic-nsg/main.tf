resource "azurerm_virtual_network" "app" {
  name                = "vnet-app"
  location            = "westeurope"
  resource_group_name = "rg-app"
  address_space       = ["10.6.0.0/16"]
}

resource "azurerm_subnet" "vms" {
  name                 = "snet-vms"
  resource_group_name  = "rg-app"
  virtual_network_name = "vnet-app"
  address_prefixes     = ["10.6.1.0/24"]
}

resource "azurerm_network_interface" "vm1" {
  name                = "nic-vm1"
  location            = "westeurope"
  resource_group_name = "rg-app"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.vms.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.6.1.10"
  }

  ip_configuration {
    name                          = "ipv6"
    subnet_id                     = azurerm_subnet.vms.id
    private_ip_address_version    = "IPv6"
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface" "vm2" {
  name                = "nic-vm2"
  location            = "westeurope"
  resource_group_name = "rg-app"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/snet-vms"
    private_ip_address_allocation = "dynamic"
  }
}

resource "azurerm_network_security_group" "vm" {
  name                = "nsg-vm"
  location            = "westeurope"
  resource_group_name = "rg-app"

  security_rule {
    name                       = "AllowRdpFromJump"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "10.6.9.4"
    source_port_range          = "*"
    destination_address_prefix = azurerm_network_interface.vm1.ip_configuration[0].private_ip_address
    destination_port_range     = "3389"
  }

  security_rule {
    name                       = "AllowWinRmFromJump"
    priority                   = 105
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "10.6.9.4"
    source_port_range          = "*"
    destination_address_prefix = azurerm_network_interface.vm1.private_ip_address
    destination_port_range     = "5986"
  }

  security_rule {
    name                       = "AllowRdpToVm2"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "10.6.9.4"
    source_port_range          = "*"
    destination_address_prefix = azurerm_network_interface.vm2.private_ip_address
    destination_port_range     = "3389"
  }
}

resource "azurerm_network_interface_security_group_association" "vm1" {
  network_interface_id      = azurerm_network_interface.vm1.id
  network_security_group_id = azurerm_network_security_group.vm.id
}

# By literal ids.
resource "azurerm_network_interface_security_group_association" "vm2" {
  network_interface_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.Network/networkInterfaces/nic-vm2"
  network_security_group_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-APP/providers/Microsoft.Network/networkSecurityGroups/NSG-VM"
}
