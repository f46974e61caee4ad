# The bundled incident's rules on a subnet of virtual machines: the same admin RDP allow at 300
# and DenyAll at 400, but the subnet's tenants are known (two VMs' NICs) and none is a Cloud
# Services role, so denying RDP between the VMs is hardening, not the intermittent-RDP fault:
# NSG001 does not apply (nsg-semantics §6.5).

resource "azurerm_resource_group" "cs" {
  name     = var.resource_group_name
  location = var.location
}

resource "azurerm_virtual_network" "cs" {
  name                = "vnet-cs"
  location            = azurerm_resource_group.cs.location
  resource_group_name = azurerm_resource_group.cs.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "roles" {
  name                 = "roles"
  resource_group_name  = azurerm_resource_group.cs.name
  virtual_network_name = azurerm_virtual_network.cs.name
  address_prefixes     = ["10.1.0.0/24"]
}

resource "azurerm_network_security_group" "roles" {
  name                = "nsg-roles"
  location            = azurerm_resource_group.cs.location
  resource_group_name = azurerm_resource_group.cs.name

  security_rule {
    name                       = "AllowLB"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_address_prefix      = "AzureLoadBalancer"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }

  security_rule {
    name                       = "AllowLocalRDP"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = var.admin_source
    source_port_range          = "*"
    destination_address_prefix = "10.1.0.0/24"
    destination_port_ranges    = ["3389", "20000"]
  }

  security_rule {
    name                       = "DenyAll"
    priority                   = 400
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "roles" {
  subnet_id                 = azurerm_subnet.roles.id
  network_security_group_id = azurerm_network_security_group.roles.id
}

resource "azurerm_network_interface" "vm" {
  count               = 2
  name                = "nic-vm${count.index}"
  location            = azurerm_resource_group.cs.location
  resource_group_name = azurerm_resource_group.cs.name

  ip_configuration {
    name                          = "ipconfig1"
    subnet_id                     = azurerm_subnet.roles.id
    private_ip_address_allocation = "Dynamic"
  }
}
