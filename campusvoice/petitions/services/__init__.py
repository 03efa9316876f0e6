"""Writes for petitions, split by sub-domain: petitions, signatures, mail, stories."""
