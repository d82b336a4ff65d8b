DROP TABLE patient_link_throttles;
DROP TABLE patient_contacts;
DROP TABLE invitation_links;
DROP TABLE invitations;
