"""One router per area: health, enrolment, ratings, terminal, halls, admin."""
