"""Password change and reset (the reset form doubles as the invitation), and the Django
admin's login. Logging in and out: sso/views.py (allauth)."""

from typing import Any, cast

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator

from culture import ratelimit
from sso.forms import PasswordResetForm


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's login: the product's login page, so that the admin is reached only
    through the same password policy, second factor and single sign-on rules."""
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme, urlencode

    target = request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = "/"

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        from django.contrib import messages
        from django.utils.translation import gettext as _

        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetForm

    def form_valid(self, form: auth_forms.PasswordResetForm) -> HttpResponse:
        # Counted for the address typed, whether anyone has it or not: the answer (sent, or
        # 429) is the same for both, so it says nothing about who has an account.
        ratelimit.check(self.request, "password_reset", to=[form.cleaned_data["email"]])
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    post_reset_login = False

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        ratelimit.check(self.request, "password_reset_link")
        return super().dispatch(*args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


def reader_settings(request: HttpRequest) -> HttpResponse:
    """The person's own language and time zone (culture/i18n.py). A post of `zone` alone
    takes the zone offered at login; `keep` declines it."""
    from django.contrib import messages
    from django.shortcuts import redirect, render
    from django.utils import translation
    from django.utils.http import url_has_allowed_host_and_scheme
    from django.utils.translation import gettext as _

    from culture.clock import company_zone
    from culture.forms import ReaderSettingsForm
    from culture.i18n import SUGGESTED_ZONE_KEY, supported, valid_zone
    from culture.models import Person

    person = cast(Person, request.user)
    if request.method == "POST" and ("keep" in request.POST or "zone" in request.POST):
        suggested = request.session.pop(SUGGESTED_ZONE_KEY, None)
        zone = valid_zone(request.POST.get("zone"))
        if "zone" in request.POST and zone and zone == suggested:
            Person.objects.filter(pk=person.pk).update(time_zone=zone)
            messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": zone})
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "home"
        return redirect(target)
    browser = supported(translation.get_language_from_request(request)) or "en-gb"
    form = ReaderSettingsForm(
        request.POST or None,
        instance=person,
        company_zone=company_zone().key,
        browser_language=browser,
    )
    if request.method == "POST":
        if form.is_valid():
            form.save(commit=False).save(update_fields=["language", "time_zone"])
            request.session.pop(SUGGESTED_ZONE_KEY, None)
            with translation.override(supported(form.cleaned_data["language"]) or browser):
                messages.success(request, _("Your language and time zone were saved."))
            return redirect("reader_settings")
        return render(request, "culture/reader_settings.html", {"form": form}, status=422)
    return render(request, "culture/reader_settings.html", {"form": form})
