/** The main job: a year of certificate life on the fake CA, an SQLite file and a simulated clock. */
module dev.cps.demo {
  requires dev.cps.core;
  requires dev.cps.testkit;
  requires dev.cps.store.jdbc;
}
