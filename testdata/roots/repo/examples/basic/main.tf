# The usual examples folder: calls the repository's module with `../..`.
module "roles" {
  source              = "../.."
  resource_group_name = "rg-example"
}
