"""Test doubles shared by the test folders: stand-ins that implement a component's interface."""
