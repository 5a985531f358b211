"""The AI layer's pure models: send-time optimisation, bandit subject lines, the engagement / churn score."""
