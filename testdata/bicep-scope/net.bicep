resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-net'
  location: 'westeurope'
}
output nsgId string = nsg.id
