// A web subnet whose NSG opens RDP to the Internet, and the central network team's Virtual
// Network Manager: a network group with the web VNet as static member, a security admin
// configuration whose rule denies inbound TCP 3389 from the Internet, and a deployment script
// that commits it to the VNet's region. The admin Deny is evaluated before any NSG, so the
// exposure is closed (NSG002 passes).
param location string = resourceGroup().location

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-web'
  location: location
  properties: {
    securityRules: [
      {
        name: 'AllowRdp'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '10.20.1.0/24'
          destinationPortRange: '3389'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-web'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.20.0.0/16'
      ]
    }
    subnets: [
      {
        name: 'snet-web'
        properties: {
          addressPrefix: '10.20.1.0/24'
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}

resource manager 'Microsoft.Network/networkManagers@2024-05-01' = {
  name: 'avnm-central'
  location: location
  properties: {
    networkManagerScopes: {
      subscriptions: [
        subscription().id
      ]
    }
    networkManagerScopeAccesses: [
      'SecurityAdmin'
    ]
  }
}

resource group 'Microsoft.Network/networkManagers/networkGroups@2024-05-01' = {
  parent: manager
  name: 'ng-all'
  properties: {
    memberType: 'VirtualNetwork'
  }
}

resource member 'Microsoft.Network/networkManagers/networkGroups/staticMembers@2024-05-01' = {
  parent: group
  name: 'web'
  properties: {
    resourceId: vnet.id
  }
}

resource baseline 'Microsoft.Network/networkManagers/securityAdminConfigurations@2024-05-01' = {
  parent: manager
  name: 'baseline'
  properties: {
    applyOnNetworkIntentPolicyBasedServices: [
      'None'
    ]
  }
}

resource highRisk 'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections@2024-05-01' = {
  parent: baseline
  name: 'high-risk-ports'
  properties: {
    appliesToGroups: [
      {
        networkGroupId: group.id
      }
    ]
  }
}

resource denyRdp 'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules@2024-05-01' = {
  parent: highRisk
  name: 'DenyRdpInbound'
  kind: 'Custom'
  properties: {
    access: 'Deny'
    direction: 'Inbound'
    priority: 10
    protocol: 'Tcp'
    sources: [
      {
        addressPrefix: 'Internet'
        addressPrefixType: 'ServiceTag'
      }
    ]
    destinationPortRanges: [
      '3389'
    ]
  }
}

resource commit 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'commit-baseline'
  location: location
  kind: 'AzurePowerShell'
  properties: {
    azPowerShellVersion: '11.0'
    retentionInterval: 'PT1H'
    arguments: '-networkManagerName ${manager.name} -configIds ${baseline.id} -targetLocations ${location}'
    scriptContent: 'param($networkManagerName, $configIds, $targetLocations) Deploy-AzNetworkManagerCommit -Name $networkManagerName -ResourceGroupName $env:RG -ConfigurationId $configIds -TargetLocation $targetLocations -CommitType SecurityAdmin'
  }
  dependsOn: [
    denyRdp
    member
  ]
}
