# The seed incident's NSG (DenyAll 400 blocks RDP between instances), with a deployed security
# admin rule that always allows TCP 3389 and 20000 within the role subnet: the NSGs are not
# consulted for those flows, so instance-to-instance RDP works (NSG001 passes).

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

data "azurerm_subscription" "current" {}

resource "azurerm_network_manager" "central" {
  name                = "avnm-central"
  location            = azurerm_resource_group.cs.location
  resource_group_name = azurerm_resource_group.cs.name
  scope_accesses      = ["SecurityAdmin"]
  scope {
    subscription_ids = [data.azurerm_subscription.current.id]
  }
}

resource "azurerm_network_manager_network_group" "roles" {
  name               = "ng-roles"
  network_manager_id = azurerm_network_manager.central.id
}

resource "azurerm_network_manager_static_member" "cs" {
  name                      = "vnet-cs"
  network_group_id          = azurerm_network_manager_network_group.roles.id
  target_virtual_network_id = azurerm_virtual_network.cs.id
}

resource "azurerm_network_manager_security_admin_configuration" "rdp" {
  name               = "rdp"
  network_manager_id = azurerm_network_manager.central.id
}

resource "azurerm_network_manager_admin_rule_collection" "rdp" {
  name                            = "rdp-between-instances"
  security_admin_configuration_id = azurerm_network_manager_security_admin_configuration.rdp.id
  network_group_ids               = [azurerm_network_manager_network_group.roles.id]
}

resource "azurerm_network_manager_admin_rule" "instances" {
  name                     = "InstancesRdp"
  admin_rule_collection_id = azurerm_network_manager_admin_rule_collection.rdp.id
  action                   = "AlwaysAllow"
  direction                = "Inbound"
  priority                 = 100
  protocol                 = "Tcp"
  destination_port_ranges  = ["3389", "20000"]
  source {
    address_prefix_type = "IPPrefix"
    address_prefix      = "10.1.0.0/24"
  }
  destination {
    address_prefix_type = "IPPrefix"
    address_prefix      = "10.1.0.0/24"
  }
}

resource "azurerm_network_manager_deployment" "rdp" {
  network_manager_id = azurerm_network_manager.central.id
  location           = azurerm_resource_group.cs.location
  scope_access       = "SecurityAdmin"
  configuration_ids  = [azurerm_network_manager_security_admin_configuration.rdp.id]
}
