// Loops (array, range, index, filtered `if`) and conditions on resources.
param deployExtra bool = false
param subnets array = [
  { name: 'web', prefix: '10.2.1.0/24', public: true }
  { name: 'app', prefix: '10.2.2.0/24', public: false }
]

var publicSubnets = filter(subnets, s => s.public)

resource nsgs 'Microsoft.Network/networkSecurityGroups@2024-05-01' = [for (s, i) in subnets: {
  name: 'nsg-${s.name}'
  location: 'westeurope'
  properties: {
    securityRules: [for p in range(0, 2): {
      name: 'rule-${p}'
      properties: {
        priority: 100 + p * 10 + i
        direction: 'Inbound'
        access: 'Allow'
        protocol: 'Tcp'
        sourceAddressPrefix: s.public ? 'Internet' : 'VirtualNetwork'
        sourcePortRange: '*'
        destinationAddressPrefix: '*'
        destinationPortRange: p == 0 ? '443' : '22'
      }
    }]
  }
}]

// Never deployed: its open RDP rule must not be reported.
resource extra 'Microsoft.Network/networkSecurityGroups@2024-05-01' = if (deployExtra) {
  name: 'nsg-extra'
  location: 'westeurope'
  properties: {
    securityRules: [
      {
        name: 'OpenRdp'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '3389'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-loops'
  location: 'westeurope'
  properties: {
    addressSpace: { addressPrefixes: ['10.2.0.0/16'] }
    subnets: [for (s, i) in subnets: if (length(publicSubnets) > 0) {
      name: s.name
      properties: {
        addressPrefix: s.prefix
        networkSecurityGroup: { id: nsgs[i].id }
      }
    }]
  }
}
