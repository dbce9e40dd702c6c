package store

import (
	"testing"
	"time"
)

func TestAnnouncementsRoundTripAndRestart(t *testing.T) {
	forEachEngine(t, testAnnouncementsRoundTripAndRestart)
}

func testAnnouncementsRoundTripAndRestart(t *testing.T, open func() *Store) {
	s := open()
	now := time.Now().UTC()
	a, err := s.PutAnnouncement(Announcement{Text: map[string]string{"fi": "Huoltokatko", "sv": "Serviceavbrott", "en": "Maintenance break"}, Start: now})
	if err != nil || a.ID == "" {
		t.Fatalf("put: %+v %v", a, err)
	}
	s.PutAnnouncement(Announcement{Text: map[string]string{"fi": "Vanha"}, Start: now.Add(-time.Hour)})
	s.Close()
	s = open()
	all, err := s.Announcements()
	if err != nil || len(all) != 2 || all[0].ID != a.ID || all[0].Text["sv"] != "Serviceavbrott" {
		t.Fatalf("after restart: %+v %v", all, err)
	}
	if err := s.DeleteAnnouncement(a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAnnouncement(a.ID); err != ErrNotFound {
		t.Errorf("deleting twice: %v", err)
	}
	if all, _ := s.Announcements(); len(all) != 1 {
		t.Errorf("after delete: %d left", len(all))
	}
}
