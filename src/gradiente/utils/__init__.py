"""Utilities: seeding, nested structures, and (lazily) the helpers of later modules."""
from gradiente.backend import set_random_seed
