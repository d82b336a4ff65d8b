# Edge cases the shared reference (make_reference.R) does not cover, computed
# with the same R 4.2 / survival 3.5 so the dashboard can be checked on them:
# the median when a curve sits exactly on 0.5, a curve that starts with
# censoring (survival 1: log(-log) interval undefined), and a 3-group log-rank.
# Run in this folder: Rscript make_edge_cases.R
suppressMessages(library(survival))

# name, then "time:event" pairs (event 1 relapse, 0 censored)
cases <- list(
  half_then_drop   = "1:1 2:1 3:1 4:1",     # S = .75 .5 .25 0
  half_flat_to_end = "1:1 2:1 3:0 4:0",     # S stays at .5
  half_then_later  = "1:1 2:1 3:0 6:1",     # S = .5 from 2 until 6
  half_censor_tie  = "1:1 1:0 3:1 3:0 5:1 7:0", # ties between events and censoring
  censored_first   = "1:0 2:0 3:1 4:1 5:0",
  all_censored     = "1:0 2:0 3:0",
  above_half       = "1:1 2:0 3:0 4:0 5:0"
)
parse <- function(s) {
  p <- do.call(rbind, strsplit(strsplit(s, " ")[[1]], ":"))
  data.frame(time = as.numeric(p[, 1]), event = as.integer(p[, 2]))
}
med <- do.call(rbind, lapply(names(cases), function(nm) {
  d <- parse(cases[[nm]])
  f <- survfit(Surv(time, event) ~ 1, data = d)
  data.frame(case = nm, data = cases[[nm]], median = unname(summary(f)$table["median"]))
}))
write.csv(med, "expected_km_median_edge.csv", row.names = FALSE)

km <- do.call(rbind, lapply(names(cases), function(nm) {
  d <- parse(cases[[nm]])
  f1 <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log")
  f2 <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
  data.frame(case = nm, day = f1$time, n_risk = f1$n.risk, n_event = f1$n.event,
             n_censor = f1$n.censor, survival = f1$surv, std_err_log = f1$std.err,
             ci_low_log = f1$lower, ci_high_log = f1$upper,
             ci_low_loglog = f2$lower, ci_high_loglog = f2$upper)
}))
write.csv(km, "expected_km_edge.csv", row.names = FALSE)

# 3 groups: active, and placebo split by odd/even patient number
surv <- read.csv("relapse.csv")
num <- as.integer(sub("P", "", surv$patient))
surv$group <- ifelse(surv$arm == "active", "active",
                     ifelse(num %% 2 == 1, "placebo_odd", "placebo_even"))
surv$group <- factor(surv$group, levels = c("active", "placebo_odd", "placebo_even"))
lr <- survdiff(Surv(days, relapsed) ~ group, data = surv)
df <- length(lr$n) - 1
write.csv(data.frame(group = levels(surv$group), n = as.vector(lr$n),
                     observed = lr$obs, expected = lr$exp,
                     chisq = lr$chisq, df = df,
                     p_value = pchisq(lr$chisq, df, lower.tail = FALSE)),
          "expected_logrank_3groups.csv", row.names = FALSE)
cat("written\n")
