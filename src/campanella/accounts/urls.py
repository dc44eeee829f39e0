from django.urls import path

from campanella.accounts import office, recovery, views
from campanella.accounts.oidc import views as oidc_views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("accedi/", views.LoginView.as_view(), name="login"),
    path("accedi/codice/", views.login_code, name="login_code"),
    path("accedi/spid/<id:pk>/", oidc_views.spid_start, name="spid_start"),
    path("accedi/spid/ritorno/", oidc_views.spid_callback, name="spid_callback"),
    path("esci/", views.LogoutView.as_view(), name="logout"),
    path("password/cambia/", views.PasswordChangeView.as_view(), name="password_change"),
    path("figlio/", views.switch_child, name="switch_child"),
    path("profilo/", views.profile, name="profile"),
    path("profilo/email/", views.email_link_request, name="email_link"),
    path("profilo/email/<str:token>/", views.email_confirm, name="email_confirm"),
    path("profilo/unisci/", views.merge, name="merge"),
    path("profilo/esci-ovunque/", views.logout_everywhere, name="logout_everywhere"),
    path("profilo/verifica/", views.totp_setup, name="totp_setup"),
    path("profilo/verifica/disattiva/", views.totp_off, name="totp_off"),
    path("password-dimenticata/", recovery.recover, name="recover"),
    path("password-dimenticata/indirizzo/", recovery.recover_choose, name="recover_choose"),
    path("password-dimenticata/inviato/", recovery.recover_sent, name="recover_sent"),
    path(
        "password-dimenticata/<uidb64>/<token>/",
        recovery.RecoverConfirmView.as_view(),
        name="recover_confirm",
    ),
    path("segreteria/credenziali/", office.credentials, name="office_credentials"),
    path(
        "segreteria/credenziali/classe/<id:pk>/",
        office.issue_classroom,
        name="office_issue_classroom",
    ),
    path("segreteria/credenziali/nuovi/", office.issue_new, name="office_issue_new"),
    path("segreteria/credenziali/lotti/<id:pk>/", office.batch, name="office_batch"),
    path(
        "segreteria/credenziali/lotti/<id:pk>/<str:kind>.pdf",
        office.batch_pdf,
        name="office_batch_pdf",
    ),
    path("segreteria/accessi/", office.access, name="office_access"),
    path("segreteria/spid/", oidc_views.office_gateways, name="office_gateways"),
    path("segreteria/spid/<id:pk>/", oidc_views.office_gateway, name="office_gateway"),
    path("segreteria/accessi/sblocca/", office.unlock, name="office_unlock"),
    path(
        "segreteria/accessi/<id:user_id>/reimposta/",
        office.reset_password,
        name="office_reset_password",
    ),
]
