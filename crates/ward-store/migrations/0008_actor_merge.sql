-- Actor merge: an actor found to be the same as another (a brand and its ATT&CK entry, two
-- names for one group) points at the canonical one. Its attributions stay as recorded (they
-- are in the hash chain) and count for the canonical actor; its name and aliases are added to
-- the canonical actor's aliases. Reversible by clearing the column.
ALTER TABLE actors ADD COLUMN merged_into TEXT REFERENCES actors(id);
