// Parameters come from main.bicepparam beside it (its `using` names this file).
param sshSource string
param nsgName string = 'nsg-default'

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: nsgName
  location: 'westeurope'
  properties: {
    securityRules: [
      {
        name: 'AllowSsh'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: sshSource
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '22'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-params'
  location: 'westeurope'
  properties: {
    addressSpace: { addressPrefixes: ['10.6.0.0/16'] }
    subnets: [
      {
        name: 'ops'
        properties: {
          addressPrefix: '10.6.0.0/24'
          networkSecurityGroup: { id: nsg.id }
        }
      }
    ]
  }
}
