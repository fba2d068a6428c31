-- Transmissions, continued (issue 5): a per-peer pull schedule. A peer set with `--pull` is
-- fetched from when its last pull is older than this many seconds (10 to 86400); NULL: every
-- round of the sender loop (`serve --push-interval`). Never edit this file after it lands.
ALTER TABLE transmission_peers ADD COLUMN pull_every_s INTEGER;
