"""Volunteer teams, activities, micro-wishes and livelihood projects: filled by the field-work issue."""
