# The admin-azapi-deny-closes-rdp network, but the `commit` action runs only at destroy
# (`when = "destroy"`): nothing is committed on apply, so the admin Deny is not deployed and RDP
# from the Internet stays open (NSG002), with the configuration reported as not deployed.

resource "azapi_resource" "rg" {
  type     = "Microsoft.Resources/resourceGroups@2021-04-01"
  name     = "rg-net"
  location = "westeurope"
}

resource "azapi_resource" "vnet" {
  type      = "Microsoft.Network/virtualNetworks@2024-05-01"
  name      = "vnet-web"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = {
    properties = {
      addressSpace = { addressPrefixes = ["10.20.0.0/16"] }
    }
  }
}

resource "azapi_resource" "subnet" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2024-05-01"
  name      = "snet-web"
  parent_id = azapi_resource.vnet.id
  body = {
    properties = {
      addressPrefix        = "10.20.1.0/24"
      networkSecurityGroup = { id = azapi_resource.nsg.id }
    }
  }
}

resource "azapi_resource" "nsg" {
  type      = "Microsoft.Network/networkSecurityGroups@2024-05-01"
  name      = "nsg-web"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = {
    properties = {
      securityRules = [
        {
          name = "AllowRdp"
          properties = {
            priority                 = 100
            direction                = "Inbound"
            access                   = "Allow"
            protocol                 = "Tcp"
            sourceAddressPrefix      = "*"
            sourcePortRange          = "*"
            destinationAddressPrefix = "10.20.1.0/24"
            destinationPortRange     = "3389"
          }
        }
      ]
    }
  }
}

resource "azapi_resource" "manager" {
  type      = "Microsoft.Network/networkManagers@2024-05-01"
  name      = "avnm-central"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = {
    properties = {
      networkManagerScopes        = { subscriptions = ["/subscriptions/00000000-0000-0000-0000-000000000000"] }
      networkManagerScopeAccesses = ["SecurityAdmin"]
    }
  }
}

resource "azapi_resource" "group" {
  type      = "Microsoft.Network/networkManagers/networkGroups@2024-05-01"
  name      = "ng-all"
  parent_id = azapi_resource.manager.id
  body = {
    properties = { memberType = "VirtualNetwork" }
  }
}

resource "azapi_resource" "member" {
  type      = "Microsoft.Network/networkManagers/networkGroups/staticMembers@2024-05-01"
  name      = "web"
  parent_id = azapi_resource.group.id
  body = {
    properties = { resourceId = azapi_resource.vnet.id }
  }
}

resource "azapi_resource" "baseline" {
  type      = "Microsoft.Network/networkManagers/securityAdminConfigurations@2024-05-01"
  name      = "baseline"
  parent_id = azapi_resource.manager.id
  body = {
    properties = { applyOnNetworkIntentPolicyBasedServices = ["None"] }
  }
}

resource "azapi_resource" "high_risk" {
  type      = "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections@2024-05-01"
  name      = "high-risk-ports"
  parent_id = azapi_resource.baseline.id
  body = {
    properties = {
      appliesToGroups = [{ networkGroupId = azapi_resource.group.id }]
    }
  }
}

resource "azapi_resource" "deny_rdp" {
  type      = "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules@2024-05-01"
  name      = "DenyRdpInbound"
  parent_id = azapi_resource.high_risk.id
  body = {
    kind = "Custom"
    properties = {
      access                = "Deny"
      direction             = "Inbound"
      priority              = 10
      protocol              = "Tcp"
      sources               = [{ addressPrefix = "Internet", addressPrefixType = "ServiceTag" }]
      destinationPortRanges = ["3389"]
    }
  }
}

resource "azapi_resource_action" "commit" {
  type        = "Microsoft.Network/networkManagers@2024-05-01"
  resource_id = azapi_resource.manager.id
  action      = "commit"
  when        = "destroy"
  method      = "POST"
  body = {
    commitType       = "SecurityAdmin"
    configurationIds = [azapi_resource.baseline.id]
    targetLocations  = ["westeurope"]
  }
}
