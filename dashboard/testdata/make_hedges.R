# Hedges' g of the change from baseline, active minus placebo, with its large-sample 95%
# interval (Hedges & Olkin 1985): g = d * (1 - 3 / (4 (n1 + n2) - 9)), d on the pooled SD,
# var(g) = (n1 + n2) / (n1 n2) + g^2 / (2 (n1 + n2)), g +/- qnorm(0.975) sqrt(var(g)).
# Run from this folder: Rscript make_hedges.R (writes expected_hedges.csv).
fu <- read.csv("followups.csv")
base <- fu[fu$visit == "baseline", c("patient", "pain_nrs")]
names(base)[2] <- "base"
out <- NULL
for (v in c("m3", "m6", "m12")) {
  x <- merge(fu[fu$visit == v, ], base, by = "patient")
  x$change <- x$pain_nrs - x$base
  a <- x$change[x$arm == "active"]
  p <- x$change[x$arm == "placebo"]
  n1 <- length(a); n2 <- length(p)
  sp <- sqrt(((n1 - 1) * var(a) + (n2 - 1) * var(p)) / (n1 + n2 - 2))
  g <- (mean(a) - mean(p)) / sp * (1 - 3 / (4 * (n1 + n2) - 9))
  se <- sqrt((n1 + n2) / (n1 * n2) + g^2 / (2 * (n1 + n2)))
  out <- rbind(out, data.frame(visit = v, n_active = n1, n_placebo = n2, hedges_g = g,
    ci_low = g - qnorm(0.975) * se, ci_high = g + qnorm(0.975) * se))
}
write.csv(out, "expected_hedges.csv", row.names = FALSE)
