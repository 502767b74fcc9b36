-- Enrollments, private keys and key-encryption keys. Instants are epoch microseconds.
CREATE TABLE cps_enrollment (
  id              TEXT    NOT NULL PRIMARY KEY,
  version         INTEGER NOT NULL,
  state           TEXT,
  next_action_at  INTEGER,
  lease_owner     TEXT,
  lease_until     INTEGER,
  document        BLOB    NOT NULL
);
CREATE INDEX cps_enrollment_due ON cps_enrollment (next_action_at, id) WHERE next_action_at IS NOT NULL;
CREATE INDEX cps_enrollment_leased ON cps_enrollment (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX cps_enrollment_state ON cps_enrollment (state);

CREATE TABLE cps_key_encryption_key (
  id           TEXT    NOT NULL PRIMARY KEY,
  kdf          TEXT    NOT NULL,
  salt         BLOB,
  check_value  BLOB    NOT NULL,
  created_at   INTEGER NOT NULL
);

CREATE TABLE cps_private_key (
  id                     TEXT    NOT NULL PRIMARY KEY,
  key_type               TEXT    NOT NULL,
  public_key             BLOB    NOT NULL,
  kek_id                 TEXT    NOT NULL REFERENCES cps_key_encryption_key (id),
  wrapped_data_key       BLOB    NOT NULL,
  encrypted_private_key  BLOB    NOT NULL,
  created_at             INTEGER NOT NULL
);
CREATE INDEX cps_private_key_kek ON cps_private_key (kek_id);
