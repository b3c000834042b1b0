from django.urls import path

from .views import activities, projects, teams, wishes

urlpatterns = [
    path("", teams.team_list, name="team-list"),
    path("teams/new/", teams.team_create, name="team-create"),
    path("teams/<int:pk>/", teams.team_detail, name="team-detail"),
    path("teams/<int:pk>/edit/", teams.team_edit, name="team-edit"),
    path("teams/<int:pk>/members/new/", teams.member_add, name="member-add"),
    path("teams/<int:pk>/activities/new/", activities.activity_create, name="activity-create"),
    path("memberships/<int:pk>/end/", teams.membership_end, name="membership-end"),
    path("people/<int:pk>/", teams.volunteer_detail, name="volunteer-detail"),
    path("people/<int:pk>/certificates/new/", teams.certificate_issue, name="certificate-issue"),
    path("certificates/<int:pk>/", teams.certificate_detail, name="certificate-detail"),
    path("activities/", activities.activity_list, name="activity-list"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/confirm/", activities.activity_confirm, name="activity-confirm"),
    path("photos/<int:pk>/", activities.photo, name="volunteer-photo"),
    path("wishes/", wishes.wish_list, name="wish-list"),
    path("wishes/new/", wishes.wish_create, name="wish-create"),
    path("wishes/<int:pk>/", wishes.wish_detail, name="wish-detail"),
    path("wishes/<int:pk>/claim/", wishes.wish_claim, name="wish-claim"),
    path("wishes/<int:pk>/fulfil/", wishes.wish_fulfil, name="wish-fulfil"),
    path("wishes/<int:pk>/close/", wishes.wish_close, name="wish-close"),
    path("projects/", projects.project_list, name="project-list"),
    path("projects/summary/", projects.project_summary, name="project-summary"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/decision/", projects.project_decision, name="project-decision"),
    path("projects/<int:pk>/start/", projects.project_start, name="project-start"),
    path("projects/<int:pk>/progress/new/", projects.project_progress, name="project-progress"),
    path("projects/<int:pk>/complete/", projects.project_complete, name="project-complete"),
]
