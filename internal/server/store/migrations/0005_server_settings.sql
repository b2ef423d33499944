-- Security round two: what the server records about itself. seal_key_id is the id of the server key
-- that sealed the database's secrets (seal.KeyID: a hash, never the key), so that a server started with
-- another key, or without its key file, refuses to start instead of answering 500 on every sealed secret
-- and sealing new ones with a key that cannot open the old.
CREATE TABLE server_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
