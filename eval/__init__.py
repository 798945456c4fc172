"""Offline evaluation: next-item quality of the service on public shopping histories (leave-one-out)."""
