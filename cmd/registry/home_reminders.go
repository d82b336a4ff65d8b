package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"outcomereg/registry"
	"outcomereg/views"
)

// remindEvery is how often the server looks for reminders to send (3 and 7 days after an
// invitation not answered; registry.SendReminders says which).
const remindEvery = 5 * time.Minute

// sendReminders emails the reminders due at now, each with a new link to its invitation
// (base is the registry's address as patients open it). Without SMTP it sends none.
func (a *app) sendReminders(ctx context.Context, now time.Time, base string) (int, error) {
	if a.cfg.mail == nil {
		return 0, nil
	}
	base = strings.TrimSuffix(base, "/")
	return a.store.SendReminders(ctx, now, func(r registry.Reminder) error {
		pctx := views.WithLanguage(ctx, r.Language)
		body := views.HT(pctx, "A reminder: your clinic's questions are still waiting for your answers, until %s. Open this link on your phone or computer:\n\n%s\n\nIf you have answered already, thank you: you can ignore this email.\n",
			views.HomeDate(r.Language, r.Window.Closes), base+linkPath(r.Token))
		err := a.cfg.mail.send(r.Email, views.HT(pctx, "Reminder: questions from your clinic"), body)
		if recipientRefused(err) {
			return fmt.Errorf("%w: %w", registry.ErrRecipientRefused, err)
		}
		return err
	})
}

// remindPatients runs sendReminders every period until ctx ends (when SMTP is configured).
// A failure is logged and tried again on the next round.
func remindPatients(ctx context.Context, a *app, base string, logger *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := a.sendReminders(ctx, nurseClock(), base)
		if err != nil && ctx.Err() == nil {
			logger.Warn("patient reminders not all sent; trying again later", "sent", n, "err", err)
		} else if n > 0 {
			logger.Info("patient reminders sent", "sent", n)
		}
	}
}

// reminderBase is the address reminders link to: --public-url, else the listening address.
func (a *app) reminderBase(listening string) string {
	if a.cfg.publicURL != "" {
		return a.cfg.publicURL
	}
	scheme := "http"
	if a.cfg.tlsCert != "" {
		scheme = "https"
	}
	return scheme + "://" + listening
}
