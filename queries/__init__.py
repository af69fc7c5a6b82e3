"""Graph → answers: traversals, risk, program figures, reports and exports."""
