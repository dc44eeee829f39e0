"""Messages (issue 14, item 2): threads between a teacher or the office and a student's family."""
