-- Update from the last release to this version: one part a responsibility,
-- assembled in file-name order into pz--<last release>--<version>.sql. The
-- fresh install script of this version is the last release's frozen install
-- script followed by this update, so a new installation and an updated one
-- are the same by construction.

\echo Use "ALTER EXTENSION pz UPDATE" to load this file. \quit
