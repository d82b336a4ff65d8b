# Reference values for the statistics added for issue 9: the Wilcoxon rank-sum
# test and the share in the best category of an ordered choice measure, pairwise
# log-rank tests, and survival read at chosen times.
# R 4.2.2 / survival 3.5-3 (Debian: apt-get install r-base-core r-cran-survival).
# Run in this folder: Rscript stats_new.R
suppressMessages(library(survival))
options(digits = 15)

# --- Wilcoxon rank-sum and the share in the best category -------------------
# Ordered categories (e.g. ascites none < mild < moderate < severe): counts per
# category, treatment then control. The test gets the raw category numbers.
cases <- list(
  ascites          = list(t = c(12, 8, 5, 2), c = c(6, 9, 8, 6), better = "lower"),
  small_shift      = list(t = c(3, 1, 0),     c = c(0, 2, 3),    better = "lower"),
  empty_category   = list(t = c(5, 0, 4),     c = c(2, 0, 7),    better = "higher"),
  all_in_best      = list(t = c(7, 0, 0),     c = c(3, 4, 2),    better = "lower"),
  none_in_best     = list(t = c(0, 3, 4),     c = c(0, 5, 1),    better = "lower"),
  unbalanced       = list(t = c(40, 1),       c = c(2, 3),       better = "higher")
)
# Newcombe's hybrid score interval (1998, method 10) for p1 - p2, built from the
# two Wilson score intervals that prop.test reports without continuity correction.
newcombe <- function(x1, n1, x2, n2) {
  w1 <- suppressWarnings(prop.test(x1, n1, correct = FALSE))$conf.int
  w2 <- suppressWarnings(prop.test(x2, n2, correct = FALSE))$conf.int
  p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
  c(d, d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2), d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
wx <- do.call(rbind, lapply(names(cases), function(nm) {
  k <- cases[[nm]]
  x <- rep(seq_along(k$t), k$t); y <- rep(seq_along(k$c), k$c)
  w <- wilcox.test(x, y, exact = FALSE, correct = TRUE)
  best <- if (k$better == "lower") 1 else length(k$t)
  nc <- newcombe(k$t[best], sum(k$t), k$c[best], sum(k$c))
  data.frame(case = nm, treatment = paste(k$t, collapse = " "), control = paste(k$c, collapse = " "),
             better = k$better, w = unname(w$statistic), p_value = w$p.value,
             best_treatment = k$t[best], best_control = k$c[best],
             share_difference = nc[1], ci_low = nc[2], ci_high = nc[3])
}))
write.csv(wx, "expected_wilcoxon_categories.csv", row.names = FALSE)

# Raw values with ties: pain NRS of the two arms at each visit.
fu <- read.csv("followups.csv")
raw <- do.call(rbind, lapply(c("baseline", "m3", "m6", "m12"), function(v) {
  x <- fu$pain_nrs[fu$arm == "active" & fu$visit == v]
  y <- fu$pain_nrs[fu$arm == "placebo" & fu$visit == v]
  w <- wilcox.test(x, y, exact = FALSE, correct = TRUE)
  data.frame(visit = v, n_active = length(x), n_placebo = length(y),
             w = unname(w$statistic), p_value = w$p.value)
}))
write.csv(raw, "expected_wilcoxon_raw.csv", row.names = FALSE)

# --- Pairwise log-rank -------------------------------------------------------
# 3 groups as in make_edge_cases.R: active, and placebo split by odd/even number.
surv <- read.csv("relapse.csv")
num <- as.integer(sub("P", "", surv$patient))
surv$group <- ifelse(surv$arm == "active", "active",
                     ifelse(num %% 2 == 1, "placebo_odd", "placebo_even"))
groups <- c("active", "placebo_odd", "placebo_even")
pairs <- combn(groups, 2)
lr <- do.call(rbind, lapply(seq_len(ncol(pairs)), function(i) {
  g <- pairs[1, i]; v <- pairs[2, i]
  d <- surv[surv$group %in% c(g, v), ]
  d$group <- factor(d$group, levels = c(g, v))
  s <- survdiff(Surv(days, relapsed) ~ group, data = d)
  data.frame(group = g, versus = v, n_group = s$n[[1]], n_versus = s$n[[2]],
             observed_group = s$obs[1], observed_versus = s$obs[2],
             expected_group = s$exp[1], expected_versus = s$exp[2],
             chisq = s$chisq, df = 1, p_value = pchisq(s$chisq, 1, lower.tail = FALSE))
}))
write.csv(lr, "expected_logrank_pairwise.csv", row.names = FALSE)

# --- Survival at chosen times ------------------------------------------------
# summary(survfit, times) leaves out times after the last follow-up.
times <- c(3650, 0, 30, 365, 500, 730, 1000, 1014, 1825)
at <- function(label, d) {
  f1 <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log")
  f2 <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
  s1 <- summary(f1, times = times); s2 <- summary(f2, times = times)
  data.frame(curve = label, day = s1$time, n_risk = s1$n.risk, n_event = s1$n.event,
             n_censor = s1$n.censor, survival = s1$surv, std_err = s1$std.err,
             ci_low_log = s1$lower, ci_high_log = s1$upper,
             ci_low_loglog = s2$lower, ci_high_loglog = s2$upper)
}
sa <- rbind(
  at("active", data.frame(time = surv$days[surv$arm == "active"], event = surv$relapsed[surv$arm == "active"])),
  at("placebo", data.frame(time = surv$days[surv$arm == "placebo"], event = surv$relapsed[surv$arm == "placebo"])),
  # censoring first, then every patient left has the event by day 1000
  at("to_zero", data.frame(time = c(10, 200, 365, 365, 1000), event = c(0, 1, 1, 0, 1)))
)
write.csv(sa, "expected_survival_at.csv", row.names = FALSE)
cat("written\n")
