"""The reading side: a returned page back into values (fields, recognition, signatures)."""
