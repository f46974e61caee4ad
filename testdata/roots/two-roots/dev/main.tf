# Cloud Services (extended support): one role subnet behind the platform load balancer.
# RDP reaches an instance either directly on 3389 or through another instance's forwarder,
# which relays the session over 20000 inside the subnet.

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

  # Role instances relay RDP to each other (3389, and 20000 through the forwarder):
  # allow it before DenyAll, which would otherwise shadow AllowVnetInBound.
  security_rule {
    name                       = "AllowInstances"
    priority                   = 350
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "10.1.0.0/24"
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
