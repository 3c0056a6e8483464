"""A four-fact handbook and one question per fact, for tests that need answers the offline generator finds."""

HANDBOOK = (
    "# Handbook\n\nThe hotel cap for staff travel is 180 EUR per night.\n\n"
    "The RW-200 reaction wheel weighs 1.2 kg.\n\nParental leave lasts 16 weeks at full pay.\n\n"
    "Laptops are replaced every four years."
)
HANDBOOK_QUESTIONS = (
    "What is the hotel cap per night for staff travel?", "How much does the RW-200 reaction wheel weigh?",
    "How long does parental leave last?", "How often are laptops replaced?",
)
