module "again" {
  source = "./self"
}
