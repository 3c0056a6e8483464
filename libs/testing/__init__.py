"""Test support shared by the test tiers: free ports, a running local stack, topic readers."""
