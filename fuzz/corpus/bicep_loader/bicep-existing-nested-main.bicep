// An existing NSG gets a child rule (`parent:`), a new NSG declares its rules as nested
// resources, and a subnet is added to an existing virtual network.
resource shared 'Microsoft.Network/networkSecurityGroups@2024-05-01' existing = {
  name: 'nsg-shared'
}

resource sharedSsh 'Microsoft.Network/networkSecurityGroups/securityRules@2024-05-01' = {
  parent: shared
  name: 'AllowSshFromAnywhere'
  properties: {
    priority: 110
    direction: 'Inbound'
    access: 'Allow'
    protocol: 'Tcp'
    sourceAddressPrefix: '*'
    sourcePortRange: '*'
    destinationAddressPrefix: '*'
    destinationPortRange: '22'
  }
}

resource app 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-app'
  location: 'westeurope'

  resource allowHttps 'securityRules' = {
    name: 'AllowHttps'
    properties: {
      priority: 100
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: 'Internet'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '443'
    }
  }

  resource openRdp 'securityRules' = {
    name: 'OpenRdp'
    properties: {
      priority: 120
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: 'Internet'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '3389'
    }
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: 'vnet-hub'

  resource appSubnet 'subnets' = {
    name: 'app'
    properties: {
      addressPrefix: '10.3.1.0/24'
      networkSecurityGroup: {
        id: app.id
      }
    }
  }
}

output appSubnetId string = vnet::appSubnet.id
