"""Evaluation surveys: a short survey each quarter (or as moderators set) to opted-in members."""
