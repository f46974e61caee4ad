# The seed incident's NSG with a deployed admin AlwaysAllow for RDP between instances, applied
# to a network group that Azure Policy fills dynamically: whether vnet-cs is a member is not
# knowable offline, so whether RDP between instances works is indeterminate (NSG030), never a
# pass and never a confident failure.

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

# The group is filled by Azure Policy (dynamic membership), not by static members.
resource "azurerm_policy_definition" "roles" {
  name         = "ng-roles-members"
  policy_type  = "Custom"
  mode         = "Microsoft.Network.Data"
  display_name = "VNets tagged role=cs join ng-roles"
  policy_rule = jsonencode({
    if = {
      allOf = [
        { field = "type", equals = "Microsoft.Network/virtualNetworks" },
        { field = "tags['role']", equals = "cs" }
      ]
    }
    then = {
      effect  = "addToNetworkGroup"
      details = { networkGroupId = azurerm_network_manager_network_group.roles.id }
    }
  })
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
