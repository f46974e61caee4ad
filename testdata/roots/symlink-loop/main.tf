# A module that calls itself through a symlink (loop/self -> .): a cycle, not endless reading.
module "loop" {
  source = "./loop"
}
